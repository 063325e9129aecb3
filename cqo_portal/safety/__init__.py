"""Quality-safety duties of producers: scope, director filing, risk-control records."""
