"""Reference solutions for the katas. Instructors keep this directory to themselves."""
