"""Kafka plumbing shared by the services: settings, topic creation, the envelope bus."""
