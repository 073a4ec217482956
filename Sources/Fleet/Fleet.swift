// Fleet registry: vendor accounts, vehicles, groups, preferences, opt-outs.
