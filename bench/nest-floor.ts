/**
 * The Nest floor: the same framework as the service (Nest on Express, Bull) with nothing of
 * the service's work: one POST route that adds the body to a queue. No API key, validation,
 * status record, logs or metrics. Measured on the accept path only, to tell the framework's
 * cost from the features' cost. Started by bench/run.ts as a child process.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Bull from 'bull';

const queue = new Bull('floor', process.env.REDIS_URL!);

@Controller('send-email')
class FloorController {
  @Post()
  @HttpCode(202)
  async send(@Body() body: object): Promise<{ result: string; id: Bull.JobId }> {
    const job = await queue.add(body);
    return { result: 'queued', id: job.id };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

void NestFactory.create(FloorModule, { logger: false }).then((app) =>
  app.listen(Number(process.env.PORT), '127.0.0.1'),
);
