"""gateway: the edge in front of developers' APIs; end users' keys, metering, streaming."""
