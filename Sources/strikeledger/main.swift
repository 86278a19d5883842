print("strikeledger")
