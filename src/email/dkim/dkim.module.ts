import { Module } from '@nestjs/common';
import { DkimController } from './dkim.controller';

/** GET /dkim (ROLE api and all); the signing itself is the worker's (mail.composer.ts). */
@Module({ controllers: [DkimController] })
export class DkimApiModule {}
