from lien.cli import main

main()
