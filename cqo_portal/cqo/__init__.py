"""CQO registration (备案): the officer files the enterprise's chief quality officer, the bureau decides."""
