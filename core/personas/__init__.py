"""Personas: customer profiles, segmentation, RFM segments."""
