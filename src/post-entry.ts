import { runPost } from './post.js';
import { runStep } from './util/cancel.js';

void runStep(() => runPost());
