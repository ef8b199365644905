"""What every area shares and none owns, below the areas (it imports none of them): the derived rules
(`rules.py`), what an event's data holds and how it is shown (`event_data.py`), and the catalogue of
event types (`event_types.py`)."""
