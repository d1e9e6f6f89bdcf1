"""Adapters that plug the detector into scrapers and data tools.

``detector.integrations.hook`` works with any Python scraper (plain mappings in,
a typed result out); ``detector.integrations.scrapy`` is a Scrapy item pipeline and
needs the optional extra ``pip install '.[scrapy]'``;
``detector.integrations.spark`` scans DataFrames (``pip install '.[spark]'``).
Nothing here is imported by ``import detector``.
"""

from detector.integrations.hook import ACTIONS, HookResult, check_item, check_items, load_detector

__all__ = ["ACTIONS", "HookResult", "check_item", "check_items", "load_detector"]
