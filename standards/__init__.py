"""Standards frameworks: versions, domains, standards, crosswalks and the YAML format."""
