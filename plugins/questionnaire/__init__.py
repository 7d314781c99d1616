"""Built-in plugin questionnaire."""
