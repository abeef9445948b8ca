"""Bringing an app under reconciler: the files ``init`` writes, ``import``, the workflow templates and the
distribution name.
"""
