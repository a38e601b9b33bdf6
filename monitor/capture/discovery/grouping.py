"""Links grouped into would-be slots: by their path of tags, ids and classes, sibling lists merged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

# `li.banner_bg_1`, `li.banner_bg_2`: numbered classes of one kind of item.
CLASS_ITEM_SUFFIX = re.compile(r"[-_]\d+$")
# An id holding a long number (`ad_20170712`, `item10234`) is generated: no way to name a slot by.
LONG_DIGITS = re.compile(r"\d{4,}")


@dataclass
class AnchorGroup:
    anchors: list[etree._Element]
    signature: tuple[str, ...]


def _level(element: etree._Element) -> str:
    tag = element.tag.lower() if isinstance(element.tag, str) else "?"
    element_id = element.get("id") or ""
    id_part = f"#{element_id}" if element_id and not LONG_DIGITS.search(element_id) else ""
    classes = sorted({CLASS_ITEM_SUFFIX.sub("", c) for c in (element.get("class") or "").split()})
    return tag + id_part + "".join(f".{c}" for c in classes)


def _signature(anchor: etree._Element) -> tuple[str, ...]:
    chain = [_level(anchor)]
    for ancestor in anchor.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        chain.append(_level(ancestor))
    return tuple(chain)


def lowest_common_ancestor(elements: list[etree._Element]) -> etree._Element:
    """The deepest element holding all of `elements`."""
    paths = [[*reversed(list(e.iterancestors())), e] for e in elements]
    common = paths[0][0]
    for level in zip(*paths, strict=False):
        if all(node is level[0] for node in level):
            common = level[0]
        else:
            break
    return common


def depth(element: etree._Element) -> int:
    """How many ancestors the element has."""
    return sum(1 for _ in element.iterancestors())


def _mergeable(first: AnchorGroup, second: AnchorGroup) -> bool:
    """Sibling lists that differ only in a class (51job's ul.list_left / ul.list_center)."""
    a, b = first.signature, second.signature
    if len(a) != len(b) or a[0] != b[0]:
        return False
    if any(x.split(".")[0] != y.split(".")[0] for x, y in zip(a, b, strict=True)):
        return False
    own = max(depth(lowest_common_ancestor(first.anchors)), depth(lowest_common_ancestor(second.anchors)))
    union = depth(lowest_common_ancestor(first.anchors + second.anchors))
    return own - 3 <= union < own


def group_anchors(anchors: list[etree._Element]) -> list[AnchorGroup]:
    """The links grouped by signature, mergeable sibling lists joined, each group in document order."""
    by_signature: dict[tuple[str, ...], list[etree._Element]] = {}
    for anchor in anchors:
        by_signature.setdefault(_signature(anchor), []).append(anchor)
    groups = [AnchorGroup(members, signature) for signature, members in by_signature.items()]
    merged: list[AnchorGroup] = []
    for group in groups:
        for target in merged:
            if _mergeable(target, group):
                target.anchors.extend(group.anchors)
                break
        else:
            merged.append(group)
    for group in merged:
        order = {id(node): index for index, node in enumerate(anchors)}
        group.anchors.sort(key=lambda node: order[id(node)])
    return merged
