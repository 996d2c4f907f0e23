"""The pure domain of the engine: AKO's shared-VIP rules as functions over frozen values.

model (views, keys, results), grouping (which Services make up a key, consistency checks),
naming (Avi object names), desired (Avi payloads), diff (desired vs observed -> operations).
No I/O, no HTTP, standard library only (enforced by import-linter).
"""
