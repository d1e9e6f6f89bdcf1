"""Adapters that plug the detector into other tools."""
