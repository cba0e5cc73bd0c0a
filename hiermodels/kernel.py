def supports(model) -> bool:
    return False
