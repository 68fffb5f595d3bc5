from zerosorry.cli import main

raise SystemExit(main())
