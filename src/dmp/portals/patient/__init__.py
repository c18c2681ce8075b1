"""Patient portal "Mon DMP" (holders and legal representatives)."""
