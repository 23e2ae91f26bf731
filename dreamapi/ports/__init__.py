"""Ports: what the shared code needs from the runtime, with a CPython implementation each.

The workers implementations (JS FFI) live in `dreamapi.runtime.workers`.
"""
