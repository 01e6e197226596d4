"""Relational Assurance: the project package and the network it serves."""
