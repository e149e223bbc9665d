// The NHS.UK frontend's images and icons (its CSS names them under /assets/), into public/.
import fs from 'node:fs';

fs.cpSync('node_modules/nhsuk-frontend/dist/nhsuk/assets', 'public/assets', { recursive: true });
