"""Classroom room: widgets, charts and exercise checks. They read managers; they never drive the API."""
