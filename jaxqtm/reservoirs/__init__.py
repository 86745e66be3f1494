"""reservoirs component of jaxqtm."""
