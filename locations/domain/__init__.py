"""Small helpers with no database behind them: places and distances, phone numbers,
addresses, opening hours, slugs and the client's address. Everything above may use them;
they use nothing above them."""
