"""coherence component of jaxqtm."""
