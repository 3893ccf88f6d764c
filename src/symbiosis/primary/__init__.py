"""primary"""
