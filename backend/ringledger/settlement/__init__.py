"""Moving a bout's money: the prepare and confirm of both phases (escrow creation, payouts), the
evidence checks, recording what became of sign requests, the result and the withdrawal."""
