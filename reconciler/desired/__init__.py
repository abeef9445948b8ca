"""The desired state: YAML files in assistants.d (and environment overlays, pins, `!env`) -> validated
``DesiredState``.
"""
