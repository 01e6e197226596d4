"""Pages of the network, split by screen: the shell, the network's records, teams, invitations."""
