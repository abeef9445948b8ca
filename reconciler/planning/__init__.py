"""Desired x live -> a frozen Plan: the diff, the planner, the plan value and the admission of plan files."""
