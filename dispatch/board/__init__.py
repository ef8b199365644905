"""The read side (`service.py`) and the derived rules (`rules.py`). Imports nothing, so areas may use the rules."""
