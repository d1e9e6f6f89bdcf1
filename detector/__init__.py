"""detector: find advertising text injected into scraped Chinese news."""

from detector.results import Finding, Verdict

__all__ = ["Detector", "Finding", "Verdict", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # Detector pulls in NumPy; keep `import detector` (and `detector --help`) light.
    if name == "Detector":
        from detector.core import Detector

        return Detector
    raise AttributeError(f"module 'detector' has no attribute {name!r}")
