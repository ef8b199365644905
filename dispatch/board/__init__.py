"""The read side: what combines areas for a screen (`service.py`) or a report (`report_content.py`); above the areas."""
