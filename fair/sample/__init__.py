"""Sample data: seed-modelled fairs in the import format (`generate`) and the demo fair
(`demo`). `names` and `sectors` are the hand-written tables the generated names and
goods come from."""
