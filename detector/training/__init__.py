"""Training, evaluation and benchmark building (needs scikit-learn and the corpora)."""
