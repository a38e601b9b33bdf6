"""A CSS selector for a group of links: short and stable first, selecting exactly the group if possible."""

from __future__ import annotations

import re

from lxml import etree
from lxml.cssselect import CSSSelector

from monitor.capture.discovery.grouping import CLASS_ITEM_SUFFIX, LONG_DIGITS, depth, lowest_common_ancestor

AD_BOARD = re.compile(r"AdsClick\((\d+)\s*,")  # zhaopin's `onmousedown="return AdsClick(9518,1)"`
_STABLE_ID = re.compile(r"^[A-Za-z][-A-Za-z0-9_]*$")


def _common_classes(elements: list[etree._Element]) -> list[str]:
    sets = [set((e.get("class") or "").split()) for e in elements]
    common = set.intersection(*sets) if sets else set()
    return sorted(c for c in common if re.fullmatch(r"[A-Za-z_][-A-Za-z0-9_]*", c))


def _simple(elements: list[etree._Element]) -> str:
    tags = {e.tag for e in elements}
    tag = next(iter(tags)) if len(tags) == 1 else "*"
    return tag + "".join(f".{c}" for c in _common_classes(elements))


def _unique_in(root: etree._Element, selector: str) -> bool:
    try:
        return len(CSSSelector(selector, translator="html")(root)) == 1
    except Exception:  # noqa: BLE001 - a selector we cannot compile is simply not a candidate
        return False


def _container_selectors(root: etree._Element, container: etree._Element) -> list[tuple[str, etree._Element]]:
    """Ways to name the container: a stable id close by, else a class unique on the page, nearest first."""
    nodes = [node for node in [container, *container.iterancestors()] if node.tag not in ("body", "html")]
    found: list[tuple[str, etree._Element]] = []
    for index, node in enumerate(nodes):
        element_id = node.get("id") or ""
        stable = bool(element_id) and _STABLE_ID.match(element_id) and not LONG_DIGITS.search(element_id)
        if stable and _unique_in(root, f"#{element_id}"):
            found.append((f"#{element_id}", node))
        for css_class in sorted((node.get("class") or "").split(), key=len, reverse=True):
            if not re.fullmatch(r"[A-Za-z_][-A-Za-z0-9_]*", css_class) or CLASS_ITEM_SUFFIX.search(css_class):
                continue
            if _unique_in(root, f"{node.tag}.{css_class}"):
                found.append((f"{node.tag}.{css_class}", node))
                break
        if len(found) >= 3 or (found and index >= 3):
            break
    # An id within three levels beats a nearer class; otherwise nearest first.
    return sorted(
        found, key=lambda item: not item[0].startswith("#") or depth(container) - depth(item[1]) > 2
    )


def _path_below(anchor: etree._Element, top: etree._Element) -> list[etree._Element]:
    path = [anchor]
    for ancestor in anchor.iterancestors():
        if ancestor is top:
            break
        path.append(ancestor)
    return list(reversed(path))


def _level_parts(anchors: list[etree._Element], top: etree._Element) -> list[str] | None:
    paths = [_path_below(a, top) for a in anchors]
    if len({len(p) for p in paths}) != 1:
        return None
    return [_simple([p[i] for p in paths]) for i in range(len(paths[0]))]


def _candidate_selectors(root: etree._Element, anchors: list[etree._Element]) -> list[str]:
    """Short, stable selectors first (`#famous li a.font_show`), child-combinator paths last."""
    anchor_part = _simple(anchors)
    container = lowest_common_ancestor(anchors) if len(anchors) > 1 else anchors[0].getparent()
    options = _container_selectors(root, container) if container is not None else []
    short: list[str] = []
    long: list[str] = []
    for prefix, top in options:
        levels = _level_parts(anchors, top)
        if levels is not None and len(levels) >= 2:
            short.append(f"{prefix} {levels[-2]} {anchor_part}")
        short.append(f"{prefix} {anchor_part}")
        if levels is not None:
            long.append(" > ".join([prefix, *levels]))
    boards = {m.group(1) for a in anchors if (m := AD_BOARD.search(a.get("onmousedown") or ""))}
    if len(boards) == 1 and all(AD_BOARD.search(a.get("onmousedown") or "") for a in anchors):
        short.append(f'a[onmousedown*="AdsClick({boards.pop()},"]')
    body = next(iter(root.iter("body")), root)
    levels = _level_parts(anchors, body)
    if levels is not None:
        long.append(" > ".join(["body", *levels]))
    return short + long


def best_selector(root: etree._Element, anchors: list[etree._Element]) -> str | None:
    """The first candidate selecting exactly the group, else the one selecting the fewest others."""
    wanted = {id(a) for a in anchors}
    best: tuple[int, str] | None = None
    for candidate in _candidate_selectors(root, anchors):
        try:
            selected = {id(node) for node in CSSSelector(candidate, translator="html")(root)}
        except Exception:  # noqa: BLE001 - skip a candidate that does not compile
            continue
        if not wanted <= selected:
            continue
        extra = len(selected - wanted)
        if extra == 0:
            return candidate
        if best is None or extra < best[0]:
            best = (extra, candidate)
    return best[1] if best is not None and best[0] <= len(anchors) // 2 else None
