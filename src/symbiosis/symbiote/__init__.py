"""symbiote"""
