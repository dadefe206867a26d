from keylint.cli import main

main()
