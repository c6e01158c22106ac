"""Demo data for Feedback Pipeline: a static delivery and a calibrated generator."""
