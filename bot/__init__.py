"""The accueil conversation: flow files, the engine that runs them, the directory of services."""
