"""Paper intake: scanned letters read, placed, split and prefilled."""
