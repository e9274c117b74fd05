import { installHelpers } from './jupyter.ts';

// The module the Jupyter kernel imports first (NODE_OPTIONS, see kernel.ts): the notebooks' helpers.
installHelpers();
