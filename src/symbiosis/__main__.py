from symbiosis.cli import main

raise SystemExit(main())
