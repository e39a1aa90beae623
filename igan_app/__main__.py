from igan_app.cli import main

raise SystemExit(main())
