"""Executing a Plan: writes, verification, smoke cases, the apply report and progress."""
