"""Capture beside the Scrapy project: running a day's crawl (`crawl`), its health and alerts (`health`),
evidence retention (`retention`) and slot discovery for a new competitor (`discovery`).

Imports `spiders`, `monitor.core` and `models`; never the domain areas or the interfaces.
"""
