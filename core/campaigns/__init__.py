"""Campaign results: what customers did after a campaign, read back as funnels and A/B verdicts."""
