from autogenesis.cli import main

main()
