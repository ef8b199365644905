"""The county's named places with their coordinates: townships, villages, offices, squares (the map's pins)."""
