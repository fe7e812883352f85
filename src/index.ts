import { run } from './main.js';
import { runStep } from './util/cancel.js';

void runStep((cancellation) => run(cancellation));
