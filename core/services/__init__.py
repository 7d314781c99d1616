"""Services: functions that take a database session and hold the domain rules."""
