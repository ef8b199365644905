"""After-action reviews (复盘): what a resolved or closed incident taught, and the improvements that became tasks."""
